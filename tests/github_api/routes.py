"""The operations the local GitHub API implements, with GitHub's semantics."""

from __future__ import annotations

from typing import Any

from tests.github_api.server import GitHubAPI, _page, content_object, example

NOT_FOUND = (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {})
Reply = tuple[int, Any, dict[str, str]]


def _parts(path: str) -> list[str]:
    return path.strip("/").split("/")


def handle(
    api: GitHubAPI,
    method: str,
    template: str,
    path: str,
    query: dict[str, list[str]],
    body: Any,
    url: str,
) -> Reply:
    parts = _parts(path)
    repo = f"{parts[1]}/{parts[2]}" if len(parts) > 2 and parts[0] == "repos" else ""
    full_url = f"{api.url}{url}"
    with api.lock:
        if template == "/repos/{owner}/{repo}/pulls/{pull_number}/files":
            pull = api.pulls.get((repo, int(parts[4])))
            if pull is None:
                return NOT_FOUND
            entries = [_diff_entry(name) for name in pull["files"]]
            items, headers = _page(entries, query, full_url)
            return 200, items, headers
        if template == "/repos/{owner}/{repo}/pulls/{pull_number}":
            pull = api.pulls.get((repo, int(parts[4])))
            return (
                NOT_FOUND
                if pull is None
                else (200, _pull_object(api, repo, int(parts[4]), pull), {})
            )
        if template == "/repos/{owner}/{repo}/contents/{path}":
            file = "/".join(parts[4:])
            ref = query.get("ref", ["main"])[0]
            text = api.contents.get((repo, file, ref))
            return NOT_FOUND if text is None else (200, content_object(api, repo, file, text), {})
        if template == "/repos/{owner}/{repo}/issues/{issue_number}/comments":
            return _issue_comments(api, method, repo, int(parts[4]), body, query, full_url)
        if template == "/repos/{owner}/{repo}/issues/comments/{comment_id}":
            return _comment(api, method, repo, int(parts[5]), body)
        if template == "/repos/{owner}/{repo}/statuses/{sha}":
            status = example("status")
            status.update(
                id=api.next_id(),
                state=body["state"],
                description=body.get("description"),
                context=body.get("context", "default"),
                target_url=body.get("target_url"),
            )
            api._statuses.setdefault((repo, parts[4]), []).append(status)
            return 201, status, {}
        if template == "/repos/{owner}/{repo}/issues":
            return _issues(api, method, repo, body, query, full_url)
        if template == "/repos/{owner}/{repo}/issues/{issue_number}":
            return _issue(api, method, repo, int(parts[4]), body)
        if template == "/repos/{owner}/{repo}/labels":
            if method == "GET":
                items, headers = _page(list(api._labels.get(repo, {}).values()), query, full_url)
                return 200, items, headers
            if body["name"] in api._labels.get(repo, {}):
                return (
                    422,
                    {
                        "message": "Validation Failed",
                        "documentation_url": "https://docs.github.com/rest",
                        "errors": [
                            {"resource": "Label", "code": "already_exists", "field": "name"}
                        ],
                    },
                    {},
                )
            return 201, api._label(repo, body["name"]), {}
    return NOT_FOUND


def _diff_entry(name: str) -> dict[str, Any]:
    entry = example("diff-entry-items")[0]
    entry.update(filename=name, status="modified")
    return entry


def _pull_object(api: GitHubAPI, repo: str, number: int, pull: dict[str, Any]) -> dict[str, Any]:
    item = example("pull-request")
    # the description's own example predates the required `type` of a team
    for team in item.get("requested_teams") or []:
        team.setdefault("type", "organization")
    item["number"] = number
    item["head"]["sha"] = pull["head"]
    item["base"]["ref"] = pull["base"]
    return item


def _comment_object(api: GitHubAPI, repo: str, number: int, text: str) -> dict[str, Any]:
    comment = example("issue-comment")
    comment_id = api.next_id()
    comment.update(
        id=comment_id,
        body=text,
        issue_url=f"{api.url}/repos/{repo}/issues/{number}",
        url=f"{api.url}/repos/{repo}/issues/comments/{comment_id}",
    )
    return comment


def _issue_comments(
    api: GitHubAPI,
    method: str,
    repo: str,
    number: int,
    body: Any,
    query: dict[str, list[str]],
    url: str,
) -> Reply:
    if number not in api._issues.get(repo, {}):
        return NOT_FOUND
    if method == "GET":
        items, headers = _page(api.comments(repo, number), query, url)
        return 200, items, headers
    comment = _comment_object(api, repo, number, body["body"])
    api._comments.setdefault(repo, {})[comment["id"]] = comment
    api._issues[repo][number]["comments"] += 1
    return 201, comment, {}


def _comment(api: GitHubAPI, method: str, repo: str, comment_id: int, body: Any) -> Reply:
    comment = api._comments.get(repo, {}).get(comment_id)
    if comment is None:
        return NOT_FOUND
    if method == "DELETE":
        del api._comments[repo][comment_id]
        return 204, None, {}
    if method == "PATCH":
        comment["body"] = body["body"]
    return 200, comment, {}


def _issues(
    api: GitHubAPI, method: str, repo: str, body: Any, query: dict[str, list[str]], url: str
) -> Reply:
    if method == "POST":
        number = max(api._issues.get(repo, {0: None}), default=0) + 1
        issue = api._issue_object(
            repo, number, body["title"], body.get("body") or "", body.get("labels") or []
        )
        api._issues.setdefault(repo, {})[number] = issue
        return 201, issue, {}
    state = query.get("state", ["open"])[0]
    wanted = set(query.get("labels", [""])[0].split(",")) - {""}
    items = [
        i
        for i in api.issues(repo)
        if (state == "all" or i["state"] == state)
        and wanted <= {label["name"] for label in i["labels"]}
    ]
    page, headers = _page(items, query, url)
    return 200, page, headers


def _issue(api: GitHubAPI, method: str, repo: str, number: int, body: Any) -> Reply:
    issue = api._issues.get(repo, {}).get(number)
    if issue is None:
        return NOT_FOUND
    if method == "PATCH":
        if "state" in body:
            issue["state"] = body["state"]
            issue["closed_at"] = None if body["state"] == "open" else "2026-11-22T00:00:00Z"
        if "labels" in body:
            issue["labels"] = [
                api._label(repo, name if isinstance(name, str) else name["name"])
                for name in body["labels"]
            ]
        for key in ("title", "body"):
            if key in body:
                issue[key] = body[key]
    return 200, issue, {}
