import { notBuilt } from "../not-built.js";

export default notBuilt("db migrate create", "kanvas db migrate create");
