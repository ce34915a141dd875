import { notBuilt } from "../not-built.js";

export default notBuilt("cache delete", "kanvas cache delete");
