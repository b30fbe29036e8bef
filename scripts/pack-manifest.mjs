// The package.json that goes into the tarball: without `scripts` and `devDependencies`.
// `prepare` builds the package in a clone (npm install, npm ci, a git dependency), but in the packed
// manifest it only makes npm list an install script to every app that installs the tarball
// ("install scripts not yet covered by allowScripts"), though there is nothing to build there.
//   node scripts/pack-manifest.mjs strip     (prepack: after the build) saves package.json to
//                                             build/package.json.orig and writes the packed form;
//   node scripts/pack-manifest.mjs restore   (postpack) puts the saved package.json back.
// A strip with a saved copy already present refuses: an earlier pack did not finish; restore first.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const SAVED = 'build/package.json.orig';
const command = process.argv[2];

if (command === 'strip') {
  if (existsSync(SAVED)) {
    console.error(`pack-manifest: ${SAVED} exists (an earlier pack did not finish): run \`node scripts/pack-manifest.mjs restore\` first`);
    process.exit(1);
  }
  const text = readFileSync('package.json', 'utf8');
  const { scripts, devDependencies, ...packed } = JSON.parse(text);
  mkdirSync('build', { recursive: true });
  writeFileSync(SAVED, text);
  writeFileSync('package.json.tmp', JSON.stringify(packed, null, 2) + '\n');
  renameSync('package.json.tmp', 'package.json');
} else if (command === 'restore') {
  if (existsSync(SAVED)) renameSync(SAVED, 'package.json');
} else {
  console.error('usage: node scripts/pack-manifest.mjs strip|restore');
  process.exit(2);
}
