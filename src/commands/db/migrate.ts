import { notBuilt } from "../not-built.js";

export default notBuilt("db migrate", "kanvas db migrate");
