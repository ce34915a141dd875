import { notBuilt } from "../not-built.js";

export default notBuilt("cache put", "kanvas cache put");
