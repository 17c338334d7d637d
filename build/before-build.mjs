// electron-builder hook (electron-builder.yml `beforeBuild`). build/build.mjs bundles main and
// preload with every dependency they use, so the packaged app needs no node_modules at all:
// resolving to false tells electron-builder that dependencies are handled outside it, and it
// then neither rebuilds nor copies any (otherwise every production dependency of package.json —
// the service's and the renderer's included — would be packed into app.asar).
export async function beforeBuild() {
  return false;
}
