/**
 * @module Entry of `npm run license -- …` (see edge/licenses/cli.ts for the commands).
 */
import { runLicenseCli } from '../licenses/cli.ts';

process.exitCode = await runLicenseCli(process.argv.slice(2));
