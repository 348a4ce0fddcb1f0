/** Where a command prints: the process's streams in the CLI, buffers in tests. */
export interface ConsoleOutput {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: ConsoleOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
