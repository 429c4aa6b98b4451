import { ensureBuilt as build } from '../../../webapp/test/e2e/helpers/build';

export { ROOT } from '../../../webapp/test/e2e/helpers/build';

/** Builds admin/dist when it is missing or older than the sources, so each e2e file stands on its own. */
export const ensureBuilt = (): void => build('admin');
