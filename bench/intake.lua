-- wrk script: POST one hotline call per request (the server numbers them).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"channel":"hotline","category":"consultation","requester":{"name":"压测","phone":"13800138000","groups":["elderly"]},"region":"220802100201","description":"赡养费纠纷咨询"}'
