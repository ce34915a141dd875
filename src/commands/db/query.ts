import { notBuilt } from "../not-built.js";

export default notBuilt("db query", "kanvas db query");
