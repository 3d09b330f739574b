import { corpusTests } from "./corpus-rule";

corpusTests("sagemaker-hardening");
