import type { Command } from 'commander';
import type { CliIo } from '../main.js';

/** `driftless keys generate`: an Ed25519 key pair for signing pointers. */
export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('pointer signing keys').exitOverride();
  keys
    .command('generate')
    .description('write a new Ed25519 key pair in PEM: the hub signs pointers with the private key, agents verify them with the public key')
    .requiredOption('--out <dir>', 'directory to write driftless-signing.key (mode 0600) and driftless-signing.pub into')
    .option('--force', 'replace existing key files (agents holding the old public key will refuse new pointers)')
    .option('--json', 'print {"privateKey","publicKey"} paths as one JSON document')
    .action(async (opts: { out: string; force?: boolean; json?: boolean }) => {
      const { writeSigningKeyPair } = await import('@driftless/hub');
      const paths = await writeSigningKeyPair(opts.out, { force: opts.force ?? false });
      io.stdout(
        opts.json
          ? `${JSON.stringify(paths)}\n`
          : `wrote ${paths.privateKey} (keep it secret: it signs pointers)\nwrote ${paths.publicKey} (give it to agents: --verify-key)\n`,
      );
    });
}
