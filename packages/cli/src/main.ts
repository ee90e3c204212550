import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { demoCommand } from './commands/demo.ts';
import { reportCommand, runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { simulateCommand } from './commands/simulate.ts';
import { tokenCommand } from './commands/token.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('tollgate')
    .description('Safe, idempotent MCP tool calls for revenue systems.')
    .version(pkg.version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run tollgate --help for usage)');
  program.addCommand(serveCommand());
  program.addCommand(demoCommand());
  program.addCommand(runCommand());
  program.addCommand(reportCommand());
  program.addCommand(simulateCommand());
  program.addCommand(tokenCommand());
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    // Expected failures (bad settings, unreachable database) read as one line; the stack helps no one here.
    process.stderr.write(`tollgate: ${(error as Error).message}\n`);
    if (process.env.TOLLGATE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  }
}
