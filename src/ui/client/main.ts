/**
 * The dashboard's browser code, entry module: bundled with its stylesheet by
 * `npm run build:ui` into dist/assets/ui/dashboard.{js,css}, which Workers
 * Static Assets serve next to the page (src/ui/dashboard.tsx). It wires the
 * views to the page's forms and buttons and follows the URL's hash.
 */
import "./styles.css";
import { showLogin, wireLogin } from "./login";
import { route } from "./router";
import { wireRunPage } from "./run-page";
import { wireList } from "./runs-list";
import { onTokenRefused } from "./session";
import { wireStartForm } from "./start-form";

onTokenRefused(showLogin);
wireLogin(route);
wireList();
wireStartForm();
wireRunPage();
window.addEventListener("hashchange", route);
route();
