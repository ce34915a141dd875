import { notBuilt } from "../not-built.js";

export default notBuilt("images upload", "kanvas images upload");
