import { checkExport } from "../lib/gate/gate";
checkExport(process.argv[2] ?? "test/fixtures/gate/prod.stack-export.json","prod").then(r=>{for(const e of r.exemptions) console.log(e.policyName,e.name,e.suppressed); console.log(r.violations.map(v=>v.enforcementLevel+" "+v.policy+" "+v.name+" "+v.message).join("\n")); console.log(r.counts)});
