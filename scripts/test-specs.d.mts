// Types for test-specs.mjs, so the test that checks them can import it.
export declare const SPECS: readonly string[];
export declare const RUN_ELSEWHERE: readonly string[];
