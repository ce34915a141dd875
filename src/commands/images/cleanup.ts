import { notBuilt } from "../not-built.js";

export default notBuilt("images cleanup", "kanvas images cleanup");
