/**
 * What a task's bundle has instead of jiti (`infra/bundle.ts` aliases it): every module migration is
 * compiled when the stack is synthesized, so the loader never needs a TypeScript compiler in Lambda;
 * if it ever does, this says why and what to do.
 */
export function createJiti(): { import(path: string): Promise<never> } {
  return {
    import(path: string): Promise<never> {
      return Promise.reject(
        new Error(
          `the module migration ${path} was not compiled when the stack was synthesized (migrations/.compiled/ has no file for it): synthesize and deploy again`,
        ),
      );
    },
  };
}
