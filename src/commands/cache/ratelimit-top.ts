import { notBuilt } from "../not-built.js";

export default notBuilt("cache ratelimit top", "kanvas cache ratelimit top");
