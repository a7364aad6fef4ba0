// Plug-in adapters in the runtime the server builds: by npm package name (the `packages` option,
// KARVON_ADAPTER_PACKAGES), by path, and the error a broken plug-in stops start-up with.

import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAdapterRuntime } from '../../adapters/runtime/index.ts';
import { AdapterLoadError } from '../../adapters/runtime/registry.ts';
import { job, openTestStore, type TestStore } from './support.ts';

const GREETER = path.resolve('test/fixtures/adapters/greeter');
const CONNECTIONS = { hi: { adapter: 'greeter', title: 'Hi', config: { greeting: 'salom' } } };

describe('adapters/runtime: plug-in packages', () => {
  let db: TestStore;
  let dir: string;

  beforeEach(async () => {
    db = await openTestStore();
    dir = await mkdtemp(path.join(tmpdir(), 'karvon-plugin-pkg-'));
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a package by npm name from node_modules; its operation is listed, templated and runs', async () => {
    // An installed package as npm lays it out; its module re-exports the fixture descriptor.
    const pkg = path.join(dir, 'node_modules', 'karvon-adapter-greeter');
    await mkdir(pkg, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'host', private: true }));
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'karvon-adapter-greeter', type: 'module', karvon: { adapters: ['./index.ts'] } }));
    await writeFile(path.join(pkg, 'index.ts'), `export { default } from ${JSON.stringify(pathToFileURL(path.join(GREETER, 'adapter.ts')).href)};\n`);

    const runtime = await createAdapterRuntime({ store: db.store, packages: ['karvon-adapter-greeter'], packagesFrom: dir, connections: CONNECTIONS });
    const listed = runtime.listAdapters().find((a) => a.name === 'hi');
    expect(listed, 'the plug-in connection in the adapter list').to.include({ adapter: 'greeter', version: '0.1.0' });
    expect(listed!.operations.map((o) => o.name)).to.deep.equal(['greet']);
    expect(runtime.elementTemplates().map((t) => t.id)).to.satisfy((ids: string[]) => ids.some((id) => id.includes('hi') && id.includes('greet')));
    expect(runtime.handler.handles('hi.greet')).to.equal(true);
    expect(await runtime.handler.run(job('hi.greet', { who: 'Aziz' }))).to.deep.include({ kind: 'complete', variables: { text: 'salom Aziz' } });
  });

  it('loads a package given as a path', async () => {
    const runtime = await createAdapterRuntime({ store: db.store, packages: ['./test/fixtures/adapters/greeter'], connections: CONNECTIONS });
    expect(runtime.registry.get('greeter')?.operations[0].name).to.equal('greet');
  });

  it('a package that cannot be found fails with its name', async () => {
    const error = await createAdapterRuntime({ store: db.store, packages: ['karvon-adapter-nowhere'], packagesFrom: dir }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AdapterLoadError);
    expect((error as Error).message).to.contain('karvon-adapter-nowhere');
  });

  it('an invalid descriptor fails with the adapter, the path inside it and the file', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'package.json'), JSON.stringify({ name: 'broken', type: 'module', karvon: { adapters: ['./adapter.ts'] } }));
    // A plain object, as a hand-written plug-in might export: the version is not semver.
    await writeFile(path.join(broken, 'adapter.ts'), `export default { name: 'broken-one', version: 'one', title: 'Broken', configSchema: { type: 'object' }, operations: [] };\n`);
    const error = await createAdapterRuntime({ store: db.store, directory: dir }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AdapterLoadError);
    const message = (error as Error).message;
    expect(message).to.contain('"broken-one"');
    expect(message, message).to.contain("version");
    expect(message).to.contain(path.join(broken, 'adapter.ts'));
  });
});
