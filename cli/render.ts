import { renderMain } from "./render-main";

process.exitCode = renderMain(process.argv.slice(2));
