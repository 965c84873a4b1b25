/** Where a problem sits in the inventory: object keys and array indexes, outermost first. */
export type KeyPath = readonly (string | number)[];

export interface Problem {
  readonly path: KeyPath;
  /** What is wrong, then after " — " what is allowed. */
  readonly message: string;
}

/** `nodes[1].host.name`: the way a reader finds the key in YAML. Odd keys are quoted: `[" "]`. */
export function formatKeyPath(path: KeyPath): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === "number") return `${text}[${segment}]`;
    if (!/^[A-Za-z_][\w:-]*$/.test(segment)) return `${text}[${JSON.stringify(segment)}]`;
    return text === "" ? segment : `${text}.${segment}`;
  }, "");
}

/** One line per problem: `<file>: <key.path>: <message>`, the whole list at once. */
export class InventoryError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    super(problems.map((problem) => formatProblem(file, problem)).join("\n"));
    this.name = "InventoryError";
  }

  get lines(): string[] {
    return this.problems.map((problem) => formatProblem(this.file, problem));
  }
}

export function formatProblem(file: string, problem: Problem): string {
  const where = formatKeyPath(problem.path);
  return where === "" ? `${file}: ${problem.message}` : `${file}: ${where}: ${problem.message}`;
}
