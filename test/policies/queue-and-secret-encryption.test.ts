import { corpusTests } from "./corpus-rule";

corpusTests("queue-and-secret-encryption");
