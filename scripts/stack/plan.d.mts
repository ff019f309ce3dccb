// Types for plan.mjs, so TypeScript tests can read the stack's plan.
export interface StackProcess {
  readonly name: string;
  readonly kind: 'broker' | 'function' | 'endpoint';
  readonly cwd: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Every port the process listens on, and the variable that sets it. */
  readonly listens: readonly { readonly port: number; readonly variable: string }[];
  readonly ready: string;
}

export interface StackPlan {
  readonly host: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly brokerUrl: string;
  readonly influx: Readonly<Record<string, string>> | undefined;
  /** Functions not started (no INFLUX_URL for the writer, or named in KIOT_STACK_WITHOUT): the broker disables their Triggers. */
  readonly absent: readonly string[];
  readonly registry: string;
  readonly processes: readonly StackProcess[];
}

export function stackPlan(env?: Readonly<Record<string, string | undefined>>): StackPlan;
export function directStart(folder: string, nodeFlags: readonly string[], env?: Readonly<Record<string, string | undefined>>): { command: string; args: string[]; env: Record<string, string> };
/** Every variable that moves a port of the whole stack: what a test or a soak run sets to free ports. */
export function stackPortVariables(): string[];
