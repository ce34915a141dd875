import { notBuilt } from "../not-built.js";

export default notBuilt("images list", "kanvas images list");
