import { notBuilt } from "../not-built.js";

export default notBuilt("cache get", "kanvas cache get");
