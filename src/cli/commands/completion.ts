/** `lsync completion [bash|zsh|fish]`: a shell completion script on stdout. */
import { basename } from 'node:path';
import { EXIT } from '../../core/errors.js';
import { completionScript, SHELLS, type Shell } from '../completion-scripts.js';
import { defineCommand } from '../command.js';

/** The user's shell from $SHELL when it is one lsync knows, else bash. */
function shellOf(env: Readonly<Record<string, string | undefined>>): Shell {
  const name = basename(env['SHELL'] ?? '');
  return (SHELLS as readonly string[]).includes(name) ? (name as Shell) : 'bash';
}

export default defineCommand({
  command: 'completion [shell]',
  describe: 'print a shell completion script (commands, options, their values and local paths)',
  builder: (y) =>
    y
      .positional('shell', { type: 'string', choices: SHELLS, describe: 'the shell (default: the one in $SHELL, else bash)' })
      .example('source <(lsync completion bash)', 'complete lsync in this bash session (add the line to ~/.bashrc to keep it)')
      .example('lsync completion zsh > "${fpath[1]}/_lsync"', 'install it for zsh (after compinit), or source <(lsync completion zsh) in ~/.zshrc')
      .example('lsync completion fish > ~/.config/fish/completions/lsync.fish', 'install it for fish'),
  run: async (args, { io, commands }) => {
    io.stdout.write(completionScript((args.shell as Shell | undefined) ?? shellOf(io.env), commands));
    return EXIT.ok;
  },
});
