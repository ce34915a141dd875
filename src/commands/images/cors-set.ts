import { notBuilt } from "../not-built.js";

export default notBuilt("images cors set", "kanvas images cors set");
