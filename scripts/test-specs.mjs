// The suites `npm test` runs: one glob per kind of folder. test/test-specs.test.ts fails when a
// test file lies outside them, so a new folder of tests cannot be left out of CI unnoticed.
export const SPECS = ['packages/*/test/**/*.test.ts', 'broker/test/**/*.test.ts', 'functions/*/test/**/*.test.ts', 'endpoints/*/test/**/*.test.ts', 'test/**/*.test.ts'];

/** Test files that are not run where they lie: the template's run in the function new-function scaffolds from it. */
export const RUN_ELSEWHERE = ['templates/function/test/'];
