/** "Did you mean ...?" for unknown keys and options: one implementation, kept in policies/ (self-contained pack). */
export { editDistance, nearest, suggestion } from "../../policies/lib/suggest";
