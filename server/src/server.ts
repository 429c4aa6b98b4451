/** Starts and stops the server; everything else is built in app.ts. */
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { loadConfigOrExit } from './config/config';
import { printBanner } from './banner';

const config = loadConfigOrExit();

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(config);
} catch (err) {
  // A failed migration or an unusable database lands here: say why and exit non-zero.
  console.error(`startup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  // Stops accepting, lets in-flight requests finish, closes sockets (realtime onClose), then the database.
  await app.close();
});

try {
  await app.listen({ port: config.PORT, host: config.HOST });
  printBanner(app);
} catch (err) {
  app.log.error({ err }, 'could not listen');
  process.exit(1);
}
