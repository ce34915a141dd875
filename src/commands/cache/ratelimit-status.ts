import { notBuilt } from "../not-built.js";

export default notBuilt("cache ratelimit status", "kanvas cache ratelimit status");
