import { notBuilt } from "../not-built.js";

export default notBuilt("cache list", "kanvas cache list");
