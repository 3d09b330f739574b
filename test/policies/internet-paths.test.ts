import { corpusTests } from "./corpus-rule";

corpusTests("internet-paths");
