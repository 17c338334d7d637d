/**
 * The commands the app tells a user to run about the installed service, per platform — one
 * wording for main's connection messages, the installer's reasons and the renderer's setup
 * screen. Pure.
 */

/** The command that starts an installed service (systemd unit, or the LaunchDaemon on macOS). */
export function startServiceCommand(platform: string): string {
  return platform === 'darwin' ? 'sudo launchctl kickstart system/com.cloudroof.cloudroofd' : 'sudo systemctl start cloudroofd';
}

/** The command that adds the current user to group cloudroof. */
export function addToGroupCommand(platform: string): string {
  return platform === 'darwin' ? 'sudo dseditgroup -o edit -a "$USER" -t user cloudroof' : 'sudo usermod -aG cloudroof "$USER"';
}
