import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { buildProgram, main } from './main.js';

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe('driftless command line', () => {
  it('prints help with exit code 0, naming the exit codes', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('Usage: driftless');
    expect(io.out).toContain('2 invalid input or usage');
  });

  const paths = commandPaths(buildProgram(captureIo()));
  it('has subcommands', () => {
    expect(paths).toContainEqual(['dev', 'up']);
  });

  it.each(paths.map((p) => [p.join(' '), p] as const))('explains `%s --help` with exit code 0', async (_name, path) => {
    const io = captureIo();
    expect(await main([...path, '--help'], io)).toBe(0);
    expect(io.out).toContain(`Usage: driftless ${path.join(' ')}`);
  });

  it.each([
    ['an unknown command', ['deploy'], "unknown command 'deploy'"],
    ['an unknown option', ['dev', 'up', '--colour'], "unknown option '--colour'"],
    ['a command group without its subcommand', ['dev'], 'Usage: driftless dev'],
  ])('exits 2 on %s and says what was wrong', async (_what, argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toContain(message);
  });

  it.each([
    ['an unknown bench mode', ['bench', '--mode', 'flux'], '--mode "flux" must be bundle, git or both'],
    ['a jitter outside 0..1', ['bench', '--jitter', '2'], '--jitter "2" must be a number from 0 to 1'],
    ['git mode on the virtual clock', ['bench', '--virtual', '--mode', 'git'], '--virtual simulates bundle mode only'],
    ['both modes on the virtual clock', ['bench', '--virtual', '--mode', 'both'], '--virtual simulates bundle mode only'],
    ['a bench interval that is not a duration', ['bench', '--interval', 'often'], '--interval "often" is not a duration'],
    ['a demo with no clusters', ['demo', '--clusters', '0'], '--clusters "0" must be a whole number of at least 1'],
  ])('refuses %s with exit code 2 before starting anything', async (_what, argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toContain(message);
  });

  it('does not offer commands that do not exist yet', async () => {
    const io = captureIo();
    expect(await main(['rollout', 'start'], io)).toBe(2);
    expect(io.err).toContain("unknown command 'start'");
  });
});
