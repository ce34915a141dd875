import { notBuilt } from "../not-built.js";

export default notBuilt("images sign", "kanvas images sign");
