import { notBuilt } from "../not-built.js";

export default notBuilt("images cors get", "kanvas images cors get");
