import { notBuilt } from "../not-built.js";

export default notBuilt("cache ratelimit reset", "kanvas cache ratelimit reset");
