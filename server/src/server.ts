/** Starts and stops the server; everything else is built in app.ts. */
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { loadConfigOrExit } from './config/config';
import { printBanner, writeDemoLink } from './banner';

const config = loadConfigOrExit();

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(config);
} catch (err) {
  // A failed migration or an unusable database lands here: say why and exit non-zero.
  console.error(`startup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

closeWithGrace({ delay: config.SHUTDOWN_DRAIN_MS + 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down');
  // /health says 503 `draining` from now on; a balancer stops sending here while this process
  // still serves everything, then its sockets are told to reconnect elsewhere (1012).
  app.lifecycle.startDraining();
  if (!err && config.SHUTDOWN_DRAIN_MS > 0) await new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_MS));
  // Stops accepting, lets in-flight requests finish, closes sockets (realtime preClose), hands back
  // held POS and bot jobs (their onClose), then the database.
  await app.close();
});

try {
  await app.listen({ port: config.PORT, host: config.HOST });
} catch (err) {
  app.log.error({ err }, 'could not listen');
  process.exit(1);
}

// The banner comes last, once the start-up work has had its say: the first POS menu import and
// the bot's first set-up (each bounded, in case the POS or Telegram hangs) log their outcome
// before it, not after.
await Promise.race([
  Promise.all([config.POS_SYNC_WORKER ? app.pos.menu.idle() : undefined, app.telegramBot?.firstOutcome]),
  new Promise((r) => setTimeout(r, 3000).unref()),
]);
let demoLinkFile: string | undefined;
try {
  demoLinkFile = writeDemoLink(config);
} catch (err) {
  app.log.warn({ err }, 'could not write the demo link file');
}
await printBanner(app, demoLinkFile);
