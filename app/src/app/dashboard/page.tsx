import { Dashboard } from "../../components/Dashboard";

export default function DashboardPage() {
  return (
    <>
      <h1>Risk dashboard</h1>
      <Dashboard />
    </>
  );
}
