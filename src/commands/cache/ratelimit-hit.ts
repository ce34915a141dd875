import { notBuilt } from "../not-built.js";

export default notBuilt("cache ratelimit hit", "kanvas cache ratelimit hit");
