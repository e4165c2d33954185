/**
 * A small SVG chart for docs/benchmarks.md: series of points on linear axes, drawn as lines (with
 * markers) or as dots. Hand-written because the page needs two plain charts and the charting libraries
 * that render SVG outside a browser (vega, chart.js with a canvas) bring tens of megabytes for it.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartSpec {
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly series: readonly Series[];
  /** Lines through the points (the default), or a dot per point (many points, a scatter over time). */
  readonly style?: 'lines' | 'dots';
  /** Horizontal reference lines: a goal, a limit. */
  readonly marks?: readonly { readonly label: string; readonly y: number }[];
  /** Start the y axis at zero (the default). */
  readonly yFromZero?: boolean;
}

const WIDTH = 720;
const HEIGHT = 360;
const MARGIN = { top: 40, right: 190, bottom: 50, left: 70 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick values covering [low, high]: 1, 2 or 5 times a power of ten apart. */
export function ticks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const values: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step)
    values.push(Number(v.toPrecision(12)));
  return values;
}

const label = (value: number) =>
  Math.abs(value) >= 1_000_000
    ? `${Number((value / 1_000_000).toPrecision(3))}M`
    : Math.abs(value) >= 10_000
      ? `${Number((value / 1000).toPrecision(3))}k`
      : String(Number(value.toPrecision(4)));

/** The chart as an SVG document. */
export function chart(spec: ChartSpec): string {
  const points = spec.series.flatMap((s) => s.points);
  const markYs = (spec.marks ?? []).map((m) => m.y);
  const xs = points.map(([x]) => x);
  const ys = [...points.map(([, y]) => y), ...markYs];
  const xTicks = ticks(Math.min(...xs), Math.max(...xs));
  const yTicks = ticks(spec.yFromZero === false ? Math.min(...ys) : 0, Math.max(...ys) * 1.05);
  const [x0, x1] = [Math.min(xTicks[0]!, ...xs), Math.max(xTicks.at(-1)!, ...xs)];
  const [y0, y1] = [Math.min(yTicks[0]!, ...ys), Math.max(yTicks.at(-1)!, ...ys)];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (y: number) => MARGIN.top + plotH - (y1 === y0 ? plotH / 2 : ((y - y0) / (y1 - y0)) * plotH);
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${xml(spec.title)}</text>`,
  ];
  for (const t of yTicks)
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${f(py(t))}" y2="${f(py(t))}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${label(t)}</text>`,
    );
  for (const t of xTicks)
    parts.push(
      `<line x1="${f(px(t))}" x2="${f(px(t))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}" stroke="#333"/>`,
      `<text x="${f(px(t))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${label(t)}</text>`,
    );
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">${xml(spec.x)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xml(spec.y)}</text>`,
  );
  for (const mark of spec.marks ?? [])
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${f(py(mark.y))}" y2="${f(py(mark.y))}" stroke="#777" stroke-dasharray="5 4"/>`,
      `<text x="${MARGIN.left + plotW - 4}" y="${f(py(mark.y) - 4)}" text-anchor="end" fill="#555">${xml(mark.label)}</text>`,
    );
  spec.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (spec.style === 'dots')
      for (const [x, y] of series.points)
        parts.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="1.8" fill="${color}" fill-opacity="0.7"/>`);
    else {
      const path = series.points
        .map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${f(px(x))} ${f(py(y))}`)
        .join(' ');
      parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
      // markers only where there are few points: on a dense series they would hide the line
      if (series.points.length <= 40)
        for (const [x, y] of series.points)
          parts.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3.5" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    parts.push(
      `<rect x="${WIDTH - MARGIN.right + 14}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`,
      `<text x="${WIDTH - MARGIN.right + 32}" y="${ly + 1}">${xml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
