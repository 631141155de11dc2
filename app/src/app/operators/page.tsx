import { Operators } from "../../components/Operators";

export default function OperatorsPage() {
  return (
    <>
      <h1>Keeper operators</h1>
      <Operators />
    </>
  );
}
