// `npm start`: configuration from the environment, then the server, then a banner with the URL
// and (in demo mode) the logins. SIGTERM and SIGINT let in-flight requests finish first.

import { readConfig, ConfigError, type ServerConfig } from './config.ts';
import { startServer, type RunningServer } from './bootstrap.ts';

function banner(running: RunningServer, config: ServerConfig): string {
  const lines = [
    '',
    `Karvon is running at ${running.url}/  (designer: ${running.url}/designer, API: ${running.url}/api/openapi.json)`,
    `Store: ${config.mongodbUrl ? 'MongoDB' : `SQLite in ${config.dataDir}`}${config.testClock ? '; test clock on' : ''}`,
  ];
  const { admin, demoUsers, deployed } = running.seeded;
  if (admin?.generated) lines.push(`Admin login: admin / ${admin.password}   (generated; set KARVON_ADMIN_PASSWORD to choose one)`);
  else if (admin) lines.push('Admin login: admin / the password in KARVON_ADMIN_PASSWORD');
  if (demoUsers.length > 0) {
    lines.push('Demo logins:');
    for (const u of demoUsers) {
      const groups = u.groups.length ? `, groups: ${u.groups.join(', ')}` : '';
      lines.push(`  ${u.username.padEnd(8)} / ${u.password}   (${u.roles.join(', ')}${groups})`);
    }
  } else if (config.demo) {
    lines.push('Demo mode: the demo users were created when this store was new (password karvon-demo unless changed).');
  }
  if (deployed.length > 0) lines.push(`Deployed: ${deployed.flatMap((d) => d.processes).join(', ')}`);
  return `${lines.join('\n')}\n\n`;
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`karvon: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const running = await startServer(config);
  // Printed, not logged: the generated admin password belongs on the operator's console only.
  process.stdout.write(banner(running, config));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    running
      .close()
      .then(() => {
        running.logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        running.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`karvon: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
