package fhirr4

import (
	"net/http"
	"net/url"

	"google.golang.org/protobuf/proto"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
)

// BaseURL is the absolute URL of the FHIR base a request came to, for
// fullUrl, Location and paging links.
func BaseURL(req *http.Request, base string) *url.URL {
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: req.Host, Path: base}
}

// ResourceURL is base/Type/id.
func ResourceURL(base *url.URL, resourceType, id string) string {
	return base.JoinPath(resourceType, id).String()
}

// Searchset is a page of search results as a searchset Bundle: a self link
// to this page and, when there is more, a next link that repeats the query
// with the cursor of the page after.
func Searchset(base *url.URL, req *http.Request, resources []proto.Message, nextCursor string) (*bcrpb.Bundle, error) {
	self := *base
	self.Path = req.URL.Path
	self.RawQuery = req.URL.RawQuery
	b := &bcrpb.Bundle{
		Type: &bcrpb.Bundle_TypeCode{Value: cpb.BundleTypeCode_SEARCHSET},
		Link: []*bcrpb.Bundle_Link{{Relation: String("self"), Url: URI(self.String())}},
	}
	if nextCursor != "" {
		next := self
		q := next.Query()
		q.Set(ParamCursor, nextCursor)
		next.RawQuery = q.Encode()
		b.Link = append(b.Link, &bcrpb.Bundle_Link{Relation: String("next"), Url: URI(next.String())})
	}
	for _, r := range resources {
		cr, err := Contain(r)
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, &bcrpb.Bundle_Entry{
			FullUrl:  URI(ResourceURL(base, ResourceType(r), IDOf(r))),
			Resource: cr,
			Search:   &bcrpb.Bundle_Entry_Search{Mode: &bcrpb.Bundle_Entry_Search_ModeCode{Value: cpb.SearchEntryModeCode_MATCH}},
		})
	}
	return b, nil
}

// IDOf is a resource message's logical id ("" when it has none).
func IDOf(resource proto.Message) string {
	m := resource.ProtoReflect()
	f := m.Descriptor().Fields().ByName("id")
	if f == nil || f.Message() == nil {
		return ""
	}
	id, _ := m.Get(f).Message().Interface().(*dpb.Id)
	return id.GetValue()
}
