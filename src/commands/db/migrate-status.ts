import { notBuilt } from "../not-built.js";

export default notBuilt("db migrate status", "kanvas db migrate status");
