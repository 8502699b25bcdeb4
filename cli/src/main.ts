import { Command, CommanderError } from 'commander';
import { isDriftlessError } from '@driftless/core';
import { registerAgentCommand } from './commands/agent.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerBenchCommands } from './commands/bench.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommands } from './commands/dev.js';
import { registerFlagsCommands } from './commands/flags.js';
import { registerFlagCommands } from './commands/flag.js';
import { registerFreezeCommands } from './commands/freeze.js';
import { registerHubCommands } from './commands/hub.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerPreviewsCommand } from './commands/previews.js';
import { registerRolloutCommands } from './commands/rollout.js';
import { registerStatusCommand } from './commands/status.js';
import { EXIT, INPUT_ERROR_CODES, Interrupted, UsageError } from './errors.js';

/** What the commands need from the process; injected so tests can run the CLI in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Runs the `driftless` command with `argv` (without node and script) and
 * resolves with the exit code: 0 success, 1 runtime failure, 2 usage.
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; any other parse problem is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof Interrupted) {
      io.stderr('interrupted\n');
      return EXIT.interrupted;
    }
    if (err instanceof UsageError || (isDriftlessError(err) && INPUT_ERROR_CODES.has(err.code))) {
      // Invalid input (a bad flag value, a store URL, a key file in the way): exit 2.
      io.stderr(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`error: ${(err as Error).message}\n`);
    return EXIT.failure;
  }
}

/** The command tree, for `main` and for tests that walk every subcommand. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('driftless')
    .description(
      'Pull-based GitOps for large fleets: a hub compiles each Git commit into content-addressed bundles in object storage; agents poll a small pointer per cluster and reconcile.',
    )
    .version('0.2.0')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 runtime failure, 2 invalid input or usage.\n' +
        'Logs go to stderr; --json output is one JSON document on stdout.',
    );
  registerAgentCommand(program, io);
  registerAuditCommands(program, io);
  registerBenchCommands(program, io);
  registerDemoCommand(program, io);
  registerDevCommands(program, io);
  registerFlagsCommands(program, io);
  registerFlagCommands(program, io);
  registerFreezeCommands(program, io);
  registerHubCommands(program, io);
  registerKeysCommands(program, io);
  registerPreviewsCommand(program, io);
  registerRolloutCommands(program, io);
  registerStatusCommand(program, io);
  return program;
}
