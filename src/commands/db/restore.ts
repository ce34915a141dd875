import { notBuilt } from "../not-built.js";

export default notBuilt("db restore", "kanvas db restore");
