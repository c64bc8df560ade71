import { Link } from "react-router";
import { useDocumentTitle } from "../document-title.ts";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page here. Go to the <Link to="/students">students</Link> or the{" "}
        <Link to="/courses">courses</Link>.
      </p>
    </section>
  );
}
