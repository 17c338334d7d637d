// Where the app finds its files, packaged and in a checkout; the service's files per platform;
// which runtime the service will run on (deb/rpm executable, AppImage, macOS app bundle).
import { describe, expect, it } from 'vitest';
import { desktopPaths, platformFiles, runtimeSource } from './app-paths';

describe('app paths', () => {
  it('packaged: renderer and preload in the app, service and templates in resources', () => {
    const p = desktopPaths({ isPackaged: true, appPath: '/opt/Cloudroof/resources/app.asar', resourcesPath: '/opt/Cloudroof/resources', userData: () => '/home/a/.config/Cloudroof' });
    expect(p.renderer).toBe('/opt/Cloudroof/resources/app.asar/dist/renderer');
    expect(p.preload).toBe('/opt/Cloudroof/resources/app.asar/dist/desktop/preload.cjs');
    expect(p.service).toBe('/opt/Cloudroof/resources/cloudroofd.js');
    expect(p.serviceRenderer).toBe('/opt/Cloudroof/resources/renderer');
    expect(p.unitTemplate).toBe('/opt/Cloudroof/resources/cloudroofd.service');
    expect(p.settingsFile).toBe('/home/a/.config/Cloudroof/settings.json');
    expect(p.trayIcon('connected', 'linux')).toBe('/opt/Cloudroof/resources/assets/tray-connected.png');
    expect(p.trayIcon('error', 'darwin')).toBe('/opt/Cloudroof/resources/assets/tray-errorTemplate.png');
  });

  it('in a checkout: dist/, build/ and assets/ of the repository', () => {
    const p = desktopPaths({ isPackaged: false, appPath: '/src/cloudroof', resourcesPath: '/x/electron/resources', userData: () => '/tmp/u' });
    expect(p.service).toBe('/src/cloudroof/dist/cloudroofd.js');
    expect(p.unitTemplate).toBe('/src/cloudroof/build/cloudroofd.service');
    expect(p.plistTemplate).toBe('/src/cloudroof/build/com.cloudroof.cloudroofd.plist');
    expect(p.windowIcon).toBe('/src/cloudroof/assets/app-icon.png');
  });

  it('the socket per platform, CLOUDROOF_SOCKET first', () => {
    expect(platformFiles('linux', {}).socketPath).toBe('/run/cloudroof/cloudroofd.sock');
    expect(platformFiles('darwin', {}).socketPath).toBe('/var/run/cloudroof/cloudroofd.sock');
    expect(platformFiles('linux', { CLOUDROOF_SOCKET: '/tmp/t.sock' }).socketPath).toBe('/tmp/t.sock');
  });

  it('the runtime the service runs on', () => {
    expect(runtimeSource('linux', {}, '/opt/Cloudroof/cloudroof')).toEqual({ kind: 'executable', path: '/opt/Cloudroof/cloudroof' });
    expect(runtimeSource('linux', { APPIMAGE: '/home/a/Cloudroof.AppImage' }, '/tmp/.mount_CloudrX/cloudroof'))
      .toEqual({ kind: 'appimage', path: '/home/a/Cloudroof.AppImage', executable: 'cloudroof' });
    expect(runtimeSource('darwin', {}, '/Applications/Cloudroof.app/Contents/MacOS/Cloudroof'))
      .toEqual({ kind: 'app-bundle', path: '/Applications/Cloudroof.app', executable: 'Contents/MacOS/Cloudroof' });
  });
});
