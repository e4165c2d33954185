// Flyway's checksum of a SQL migration computed with the JDK classes Flyway uses (java.io.BufferedReader
// for the lines, java.util.zip.CRC32), as its resolver does: UTF-8, a byte-order mark dropped from the
// first line, each line's UTF-8 bytes without the line break, the value cast to int. A reference for
// core/baseline/flyway-checksum.ts: `java test/support/flyway/FlywayChecksum.java FILE...` prints one
// checksum a line.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

public class FlywayChecksum {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            CRC32 crc = new CRC32();
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(new FileInputStream(path), StandardCharsets.UTF_8), 4096)) {
                String line = reader.readLine();
                if (line != null && line.startsWith("\uFEFF")) line = line.substring(1);
                while (line != null) {
                    crc.update(line.getBytes(StandardCharsets.UTF_8));
                    line = reader.readLine();
                }
            }
            System.out.println((int) crc.getValue());
        }
    }
}
