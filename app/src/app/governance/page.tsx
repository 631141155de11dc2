import { Governance } from "../../components/Governance";

export default function GovernancePage() {
  return (
    <>
      <h1>Governance</h1>
      <Governance />
    </>
  );
}
